"""A version's ancestry as a tree: real seed (or sampler) down to the version and its children."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from registry.browse import Lineage, LineageStep


class LineageTree(Tree[str]):
    """Shows ``lineage`` (set with :meth:`show`); choosing a version node posts ``Selected``."""

    class Selected(Message):
        """Version ``tag`` was chosen in the tree."""

        def __init__(self, tag: str) -> None:
            super().__init__()
            self.tag = tag

    def __init__(self, **kwargs: object) -> None:
        super().__init__("lineage", **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 3

    def show(self, lineage: Lineage, current: str) -> None:
        self.clear()
        node: TreeNode[str] = self.root
        for step in lineage.steps:
            node = node.add(self._label(step, current), data=step.tag or "", expand=True)
        if lineage.children:
            for child in lineage.children:
                node.add_leaf(Text.assemble(("seeds ", "dim"), (child, "bold cyan")), data=child)
        else:
            node.add_leaf(Text("no release is seeded from it", style="dim italic"), data="")
        self.root.expand_all()
        self.call_after_refresh(self.move_cursor, node)

    @staticmethod
    def _label(step: LineageStep, current: str) -> Text:
        if step.kind == "seed":
            return Text.assemble(("real seed ", "dim"), (step.label, "bold green"))
        if step.kind == "sampler":
            return Text.assemble(
                ("sampler ", "bold green"), ("(no seed: generated from declared columns)", "dim")
            )
        depth = "" if step.generation_depth is None else f"  depth {step.generation_depth}"
        style = "bold reverse" if step.tag == current else "bold cyan"
        return Text.assemble(
            (step.label, style), (depth, "magenta" if step.generation_depth else "dim")
        )

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.Selected(event.node.data))
