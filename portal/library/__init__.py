"""Feature package (being built)."""


def includeme(config):
    pass
