/**
 * The recipe format: immutable records (one per section), a strict reader for YAML and JSON
 * (duplicates, aliases, tags, sizes and types refused with their line or path), {@code key=value}
 * overrides, a validator that reports every problem at once, builders for Java users, and the JSON
 * Schema, all derived from the records by {@link io.github.finetune4j.recipe.RecipeModel}.
 */
package io.github.finetune4j.recipe;
