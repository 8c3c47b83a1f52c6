"""Install qpt: ``pip install -r requirements.txt -e .``"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'qpt', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(path: str) -> list:
    with open(osp.join(osp.dirname(__file__), path)) as f:
        return [
            line.strip() for line in f
            if line.strip() and not line.startswith('#')
        ]


setup(
    name='qpt',
    version=read_version(),
    description='QPT V2: masked image modeling for visual scoring '
    '(image/video quality and aesthetics), on OpenMMLab',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.9',
    install_requires=read_requirements('requirements.txt'),
    extras_require={'tests': read_requirements('requirements-tests.txt')},
    entry_points={'console_scripts': ['qpt=qpt.cli:main']},
    license='Apache-2.0',
)
