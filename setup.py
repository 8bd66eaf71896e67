"""Package list for setuptools: node/ and coordinator/ are installed under msin_fed.

Everything else is configured in pyproject.toml. setuptools' automatic discovery
cannot rename packages, so the sub-packages of the two mapped folders are listed here.
"""

from setuptools import find_packages, setup

MAPPED = {"node": "msin_fed.node", "coordinator": "msin_fed.coordinator"}

packages = find_packages(include=["msin_fed", "msin_fed.*"])
for folder, name in MAPPED.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(where=folder)]

setup(packages=packages)
