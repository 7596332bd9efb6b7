/**
 * The {@code finetune} command line: picocli commands over the pipeline, exit codes 0 / 1 / 2 (130
 * / 143 on signals), one-paragraph messages with control characters escaped.
 */
package io.github.finetune4j.cli;
