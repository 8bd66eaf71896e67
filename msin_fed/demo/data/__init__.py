"""Package data: the bundled synthetic reports of ``msin demo`` (see :mod:`msin_fed.demo.dataset`)."""
