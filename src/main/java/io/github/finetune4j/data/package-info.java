/**
 * Data sources: labelled texts from JSON lines ({@link io.github.finetune4j.data.TextJsonlSource}),
 * numeric tables from CSV ({@link io.github.finetune4j.data.CsvSource}), image folders, and the
 * shapes of embedding training and evaluation — pairs, triplets and scored pairs ({@link
 * io.github.finetune4j.data.PairSource}) and information-retrieval splits ({@link
 * io.github.finetune4j.data.IrSplitSource}) — all read strictly (types, encodings, gzip) with
 * counts of what was skipped; and batches without a text twice ({@link
 * io.github.finetune4j.data.NoDuplicatesBatchSampler}).
 */
package io.github.finetune4j.data;
