"""The static site: page model → Jinja templates → public/."""
