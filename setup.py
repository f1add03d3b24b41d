"""Build hook: the wheel carries templates/ and questionnaires/ inside the package.

They stay at the top of the repository (where people edit them); a non-editable
build copies them to ``survey/_shipped/`` so ``pip install .`` works from any folder.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("templates", "questionnaires")


class BuildPyWithShippedFiles(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads them from the clone
        for name in SHIPPED:
            shutil.copytree(ROOT / name, Path(self.build_lib) / "survey" / "_shipped" / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithShippedFiles})
