"""Recipes: YAML files that declare every figure; loaded, validated and expanded into jobs."""

from generator.recipes.book import load_books
from generator.recipes.declared import Book, Figure, Section
from generator.recipes.located_yaml import RecipeError


__all__ = ["Book", "Figure", "Section", "load_books", "RecipeError"]
