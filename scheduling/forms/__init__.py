"""Forms of the staff schedule screens, by concept. They parse input; the services decide."""
