/**
 * Stand-alone benchmarks with a {@code main}; not tests (surefire does not pick them up). Commands
 * and results are in {@code docs/benchmarks.md}.
 */
package io.github.finetune4j.bench;
