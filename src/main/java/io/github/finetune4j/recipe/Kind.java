package io.github.finetune4j.recipe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The {@code type:} name of one kind of a tagged variant: put it on each record that a {@link
 * Variants} sealed interface permits.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Kind {
  /** The name written as {@code type: NAME} in a recipe. */
  String value();
}
