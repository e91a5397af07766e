"""Monte Carlo verification of stl-bounds (docs/theory.md §6).

Simulators of the self-consuming loops of docs/theory.md §5 live in the modules
``gaussian``, ``regression``, ``tv``, ``downstream``, ``coupling``, ``categorical``,
``categorical_coupling`` and ``kde``; the
verification campaigns that judge them against the registry live in
:mod:`verification.campaigns` and are run by :func:`run` (the API behind
``stl-bounds verify``)::

    import verification
    results = verification.run(["closed_forms"], seed=0, workers=2, out="verify-out")
"""

from verification.runner import run

__all__ = ["run"]
