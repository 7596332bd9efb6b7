package io.github.finetune4j.data;

/**
 * A labelled text.
 *
 * @param text the text
 * @param label class index into the declared classes
 */
public record TextExample(String text, int label) {}
