"""Staff screens of the schedule, by concept: the day and week views
(``schedule``), visits and their actions (``visits``), a client's templates,
reached from the profile (``templates``), and ``service_types``."""
