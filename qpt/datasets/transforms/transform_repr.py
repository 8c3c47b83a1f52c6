"""The ``__repr__`` of a transform: its type and its arguments."""
__all__ = ['transform_repr']


def transform_repr(transform, *names: str) -> str:
    """``Type(name=value, ...)``, each value by ``repr`` (strings quoted).

    Args:
        transform: the transform.
        *names: the attributes to show, in order (its constructor's
            arguments, so that the repr reads like the config).
    """
    args = ', '.join(f'{name}={getattr(transform, name)!r}' for name in names)
    return f'{type(transform).__name__}({args})'
