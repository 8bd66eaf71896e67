"""``msin demo``: a whole throwaway network on one machine, and its bundled data set.

:mod:`msin_fed.demo.dataset` holds the synthetic reports of three members;
:mod:`msin_fed.demo.network` starts the real processes (CA, coordinator, key holders,
nodes) over mutual TLS on loopback and drives them.
"""
