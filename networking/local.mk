# fragment for networking/
