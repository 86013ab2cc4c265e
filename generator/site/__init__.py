"""The static site: present (recipes + store → page model) → arrange (what readers see) → writers (HTML, Hugo)."""
