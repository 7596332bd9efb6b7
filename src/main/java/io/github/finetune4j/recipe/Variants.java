package io.github.finetune4j.recipe;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a sealed interface as a tagged variant: a recipe section that is one of several kinds,
 * chosen by its {@code type:} key. The kinds are the records the interface {@code permits}, each
 * with its {@link Kind} name, its own fields and its own checks; the other keys of the mapping are
 * the chosen record's fields. {@code RecipeModel} validates, converts, writes back and describes
 * (schema {@code oneOf}, docs table per kind) such a section; nothing is looked up by class name.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Variants {

  /**
   * The kind taken when the mapping has no {@code type} key; empty (the default) when {@code type}
   * is required.
   *
   * @return a {@link Kind} name, or ""
   */
  String defaultKind() default "";

  /**
   * Keys of an earlier format of the section: each is refused with its migration message.
   *
   * @return the retired keys
   */
  Retired[] retired() default {};

  /** A key the section no longer has, and what to write instead. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({})
  @interface Retired {
    /**
     * The retired key.
     *
     * @return the key
     */
    String key();

    /**
     * What the user is told after "path.key: ".
     *
     * @return the message
     */
    String message();
  }
}
