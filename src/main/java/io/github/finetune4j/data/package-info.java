/**
 * Data sources: labelled texts from JSON lines ({@link io.github.finetune4j.data.TextJsonlSource}),
 * read strictly (types, encodings, gzip) with counts of what was skipped.
 */
package io.github.finetune4j.data;
