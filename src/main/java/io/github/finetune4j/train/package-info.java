/**
 * The training loop ({@link io.github.finetune4j.train.FineTuner}), what it needs ({@link
 * io.github.finetune4j.train.TrainSetup}, built with a builder), the batches it reads, the norm
 * statistics policy it enforces, and when a run counts as failed ({@link
 * io.github.finetune4j.train.FaultPolicy}). Also the math of embedding models: the losses behind
 * {@link io.github.finetune4j.train.EmbeddingLoss}, the retrieval metrics and exact search of
 * {@link io.github.finetune4j.train.RetrievalMetrics}, and {@link
 * io.github.finetune4j.train.Spearman}.
 */
package io.github.finetune4j.train;
