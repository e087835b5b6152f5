"""The run machinery: the public entry points (:mod:`.driver`), the tasks the tree is cut
into (:mod:`.tasks`), where they run (:mod:`.backends`), checkpoints (:mod:`.checkpoint`),
progress (:mod:`.progress`), the pre-count estimate (:mod:`.estimate`, its dives in
:mod:`.dives`) and the choice of the engine for a domain (:mod:`.engines`)."""

from .driver import DEFAULT_BUDGET, DEFAULT_SPLIT, count_regions, iter_regions

__all__ = ["DEFAULT_BUDGET", "DEFAULT_SPLIT", "count_regions", "iter_regions"]
