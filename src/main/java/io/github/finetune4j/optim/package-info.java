/**
 * Optimizer update rules on DJL {@code NDArray}s, numerically matching {@code torch.optim}.
 *
 * <p>An {@link io.github.finetune4j.optim.Updater} applies one {@link
 * io.github.finetune4j.optim.UpdateRule} ({@link io.github.finetune4j.optim.Sgd}, {@link
 * io.github.finetune4j.optim.Adam}, {@link io.github.finetune4j.optim.AdamW}, {@link
 * io.github.finetune4j.optim.RmsProp}, or a user's own implementation) to a list of {@link
 * io.github.finetune4j.optim.ParamSlot}s, each carrying its own {@link
 * io.github.finetune4j.optim.GroupHyper} (already scheduled learning rate, weight decay and its
 * {@link io.github.finetune4j.optim.DecayMode}, L1, L2-SP, momentum override). Updates are applied
 * in place to the parameter arrays; optimizer state is kept per parameter name and can be exported
 * to plain arrays for checkpoints. {@link io.github.finetune4j.optim.Clipping} clips gradients in
 * place with {@code torch.nn.utils} semantics.
 *
 * <p>A rule owns its math ({@link io.github.finetune4j.optim.UpdateRule#update}, optionally a
 * batched path); the updater applies the penalties, the same for every rule, and keeps the rule's
 * state buffers, created through {@link io.github.finetune4j.optim.ParamContext}, under each
 * parameter's name. {@link io.github.finetune4j.optim.UpdateRule} states the contract.
 *
 * <p>The golden test {@code OptimGoldenTest} replays trajectories produced by {@code torch.optim}
 * (see {@code src/test/python/gen_optim_golden.py}) and requires agreement to 1e-6 relative.
 */
package io.github.finetune4j.optim;
