"""Reading a port (a ``typing.Protocol``) back: its members, its bases included."""

from __future__ import annotations

from typing import Any

ENTERED = ("__enter__", "__exit__")  # the context-manager members a unit of work declares


def protocol_members(port: type) -> set[str]:
    """Every member a port declares (methods, properties, attributes), those of its bases included."""
    names: set[str] = set()
    for cls in port.__mro__:
        if not getattr(cls, "_is_protocol", False) or cls.__module__ == "typing":
            continue
        declared = {*vars(cls), *getattr(cls, "__annotations__", {})}
        names |= {n for n in declared if not n.startswith("_") or n in ENTERED}
    return names


def returns(port: type, name: str) -> str:
    """The return annotation of the port's property or method ``name``, as written."""
    member: Any = getattr(port, name)
    function = member.fget if isinstance(member, property) else member
    return str(function.__annotations__.get("return", ""))
