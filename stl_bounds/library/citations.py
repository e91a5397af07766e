"""Citations shared by several registered objects."""

from __future__ import annotations

from stl_bounds.bound import Citation

FU2025 = (
    "Fu, Wang, Chen, Tian, Tao, A Theoretical Perspective: How to Prevent Model Collapse "
    "in Self-consuming Training Loops, ICLR 2025"
)
FU2025_ARXIV = "arXiv:2502.18865v1"


def fu2025(location: str, theory: str) -> Citation:
    """A citation of Fu et al. 2025 (statement reconstructed; see docs/theory.md §0)."""
    return Citation(paper=FU2025, location=location, theory=theory, arxiv=FU2025_ARXIV)


def theory(location: str, theory_section: str) -> Citation:
    """A lemma proved in docs/theory.md itself (standard facts on total variation)."""
    return Citation(
        paper="stl-bounds docs/theory.md (standard total-variation facts)", location=location, theory=theory_section
    )


#: Kimura & Ohta 1969 (docs/theory.md §5.7): mean time to absorption of Wright-Fisher drift, diffusion approximation.
KIMURA_OHTA1969 = Citation(
    paper="Kimura & Ohta, The average number of generations until fixation of a mutant gene in a finite population, "
    "Genetics 61(3):763-771, 1969",
    location="mean number of generations until absorption, diffusion approximation, -4N[p ln p + (1 - p) ln(1 - p)] "
    "for two alleles; with K alleles and n = 2N genes, the time until one is left, -2n sum_k (1 - p_k) ln(1 - p_k)",
    theory="docs/theory.md §5.7",
)
