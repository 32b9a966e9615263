pytest_plugins = ["fixtures.options", "fixtures.session", "reports.plugin"]
