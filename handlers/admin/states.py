"""The admin console's steps that wait for typed input (or a file) from an admin."""

from aiogram.fsm.state import State, StatesGroup


class AdminInput(StatesGroup):
    credits = State()  # /user → grant or take credits: "<number> <reason>"
    bank_file = State()  # /bank → import: the edited YAML file
