/**
 * The real consumers of the toolkit's exports, as a test harness: ONNX Runtime Java, langchain4j,
 * Spring AI, and DJL's stock translators in a child JVM with no Finetune4J class on its class path
 * ({@link io.github.finetune4j.consumers.ConsumerHarness}), proven on langchain4j's bundled
 * all-MiniLM-L6-v2.
 */
package io.github.finetune4j.consumers;
