/**
 * Run monitoring: the {@link io.github.finetune4j.monitor.MetricsSink} contract the training loop
 * calls, and its sinks.
 *
 * <p>A run directory receives {@code metrics.jsonl} ({@link
 * io.github.finetune4j.monitor.JsonlSink}, read back by {@link
 * io.github.finetune4j.monitor.MetricsReader}), {@code metrics.csv} ({@link
 * io.github.finetune4j.monitor.CsvSink}), a TensorBoard event file ({@link
 * io.github.finetune4j.monitor.TensorBoardSink}) and, on demand, {@code report.html} ({@link
 * io.github.finetune4j.monitor.HtmlReport}). {@link io.github.finetune4j.monitor.ConsoleSink} shows
 * progress, {@link io.github.finetune4j.monitor.WarningDetector} turns step metrics into
 * de-duplicated health warnings and {@link io.github.finetune4j.monitor.MonitorSet} fans out to
 * several sinks.
 *
 * <p>Depends on the JDK, Jackson and the {@code me.tongfei:progressbar} console library only.
 */
package io.github.finetune4j.monitor;
