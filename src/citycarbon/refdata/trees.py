"""Load the packaged classification trees (an adapter: it reads package files via the loader).

``load_category_tree("ipcc2006")`` is the IPCC 2006 category tree with citycarbon's indirect
branch ``IND`` and its mappings to the China provincial tree and to GPC reference numbers;
``load_category_tree("cn_provincial")`` is the tree of the provincial guideline. Both are
validated when first loaded and cached for the process.
"""

from __future__ import annotations

from functools import cache

from citycarbon.accounting.categories import CategoryTree
from citycarbon.errors import Message, ReferenceDataError
from citycarbon.refdata.loader import load_codelist

SCHEMES: dict[str, str] = {
    "ipcc2006": "categories_ipcc2006",
    "cn_provincial": "categories_cn_provincial",
}


@cache
def load_category_tree(scheme: str = "ipcc2006") -> CategoryTree:
    """The packaged category tree of ``scheme`` (``ipcc2006`` or ``cn_provincial``)."""
    table_id = SCHEMES.get(scheme)
    if table_id is None:
        known = ", ".join(SCHEMES)
        raise ReferenceDataError(
            Message(
                zh=f"未知的分类体系：{scheme!r}（可用：{known}）",
                en=f"unknown classification scheme: {scheme!r} (available: {known})",
            )
        )
    tree = CategoryTree.from_rows(load_codelist(table_id), scheme)
    tree.validate()
    return tree
