# fragment for configs/
