"""Reference values for NoDuplicatesBatchSamplerTest, computed without the Java code.

java.util.Random is re-implemented from its documented algorithm (the 48-bit LCG of its Javadoc,
next(bits) and nextInt(bound)); the shuffle is the Fisher-Yates loop of Collections.shuffle
("for i from n-1 down to 1: swap(i, nextInt(i + 1))"); the batching loop follows the algorithm of
sentence-transformers' NoDuplicatesBatchSampler.__iter__ (remaining indices in shuffled order, one
pass per batch, a text seen in the batch makes an example wait, a pass that does not fill the batch
yields it unless drop_last). Run: python3 src/test/python/gen_no_duplicates_batches.py
"""

MASK = (1 << 48) - 1


class JavaRandom:
    def __init__(self, seed):
        self.state = (seed ^ 0x5DEECE66D) & MASK

    def next_bits(self, bits):
        self.state = (self.state * 0x5DEECE66D + 0xB) & MASK
        r = self.state >> (48 - bits)
        return r - (1 << 32) if r >= 1 << 31 else r

    def next_int(self, bound):
        r = self.next_bits(31)
        m = bound - 1
        if bound & m == 0:
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < 2 ** 31:  # Java: no int overflow
                return r
            u = self.next_bits(31)


def shuffled(n, seed):
    order = list(range(n))
    rnd = JavaRandom(seed)
    for i in range(n - 1, 0, -1):
        j = rnd.next_int(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def no_duplicate_batches(examples, batch_size, order, drop_last):
    batches = []
    remaining = list(order)
    while remaining:
        texts, batch, full = set(), [], False
        for index in remaining:
            own = set(examples[index])
            if own & texts:
                continue
            batch.append(index)
            if len(batch) == batch_size:
                full = True
                break
            texts |= own
        if full or not drop_last:
            batches.append(batch)
        remaining = [i for i in remaining if i not in batch]
    return batches


SHARED = [("q1", "p1"), ("q1", "p2"), ("q2", "p1"), ("q3", "p3"), ("q4", "p4"), ("q5", "p3"),
          ("q6", "p6"), ("q7", "p7"), ("q1", "p8"), ("q8", "p8")]

if __name__ == "__main__":
    print("shuffled(10, 42) =", shuffled(10, 42))
    print("shuffled(10, 7) =", shuffled(10, 7))
    print("shuffled(5, -3) =", shuffled(5, -3))
    for seed in (42, 7):
        for drop_last in (False, True):
            order = shuffled(len(SHARED), seed)
            print(f"seed {seed}, drop_last {drop_last}:",
                  no_duplicate_batches(SHARED, 3, order, drop_last))
