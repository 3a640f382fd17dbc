# fragment for templates/
