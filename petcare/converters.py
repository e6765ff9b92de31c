"""URL converters every app's URLs use (registered by PetcareConfig.ready)."""

# The largest id a database row can have (a 64-bit signed integer).
MAX_ID = 2**63 - 1


class IdConverter:
    """A row's id in a URL: digits that fit a 64-bit integer. A longer
    number doesn't match, so it is a 404 like any unknown id (SQLite would
    otherwise fail on it with an error)."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("Too large for an id.")  # no match: a 404
        return number

    def to_url(self, value) -> str:
        return str(value)
