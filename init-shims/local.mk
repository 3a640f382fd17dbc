# fragment for init-shims/
