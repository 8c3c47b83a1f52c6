"""Import every qpt component into its registry and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all qpt (and, through the parents, mmpretrain) modules.

    Args:
        init_default_scope: make ``qpt`` the current default scope. If another
            scope is current, a new ``qpt`` scope instance is created.
    """
    import qpt.datasets  # noqa: F401,F403
    import qpt.engine  # noqa: F401,F403
    import qpt.evaluation  # noqa: F401,F403
    import qpt.models  # noqa: F401,F403

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('qpt', scope_name='qpt')
    elif current.scope_name != 'qpt':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "qpt"; `register_all_modules` forces it to "qpt".')
        name = f'qpt-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='qpt')
