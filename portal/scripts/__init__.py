"""Console scripts (``setup.cfg`` ``console_scripts``): jobs run outside a web request."""
