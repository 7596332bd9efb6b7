/**
 * The one base of exceptions that carry every problem found ({@link
 * io.github.finetune4j.problem.ProblemsException}); every package may use it, it uses none.
 */
package io.github.finetune4j.problem;
