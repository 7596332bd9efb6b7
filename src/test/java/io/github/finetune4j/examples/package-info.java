/**
 * Programs that use only the public Java API; each is also exercised by a test, and the ones shown
 * in {@code docs/} are checked to appear there verbatim.
 */
package io.github.finetune4j.examples;
