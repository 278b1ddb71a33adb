/**
 * A BoundedCache keyed by a pair of strings (an object's type and id), held as a map of maps: a
 * lookup hashes the two strings the caller already has instead of a key string built from them on
 * every call (a new string is flattened, hashed and compared in full each time: the largest single
 * cost of the foreign-object detector). Same two generations, same eviction as a BoundedCache on
 * the joined key: the young generation counts its pairs and is dropped whole when it fills.
 */
export interface PairCache<V> {
  get(a: string, b: string): V | undefined;
  set(a: string, b: string, value: V): void;
  /** Pairs held now, each once (a promoted pair sits in both generations until the old one goes). */
  readonly size: number;
  clear(): void;
  /** The value without promoting it: reading for a snapshot is not activity. */
  peek(a: string, b: string): V | undefined;
  /** Changes the value of a pair already held, wherever it is, without promoting or evicting anything. */
  replace(a: string, b: string, value: V): void;
  /** Drops the pair from both generations; true when it was held. */
  delete(a: string, b: string): boolean;
  /**
   * Each pair once with its current value and generation, the old generation first, without
   * promoting anything. NOTE: within a generation pairs come grouped by `a` (in the order each `a`
   * first arrived), not in insertion order; eviction drops whole generations, so it never depends
   * on the order inside one.
   */
  entries(): Generator<[a: string, b: string, value: V, young: boolean]>;
}

interface Generation<V> {
  byA: Map<string, Map<string, V>>;
  /** Pairs in the generation: what `Map.size` is for a BoundedCache's generation. */
  size: number;
}

const newGeneration = <V>(): Generation<V> => ({ byA: new Map(), size: 0 });

function find<V>(g: Generation<V>, a: string, b: string): V | undefined {
  return g.byA.get(a)?.get(b);
}

function holds<V>(g: Generation<V>, a: string, b: string): boolean {
  return g.byA.get(a)?.has(b) === true;
}

function put<V>(g: Generation<V>, a: string, b: string, value: V): void {
  let byB = g.byA.get(a);
  if (byB === undefined) {
    byB = new Map();
    g.byA.set(a, byB);
  }
  const before = byB.size;
  byB.set(b, value);
  g.size += byB.size - before;
}

function remove<V>(g: Generation<V>, a: string, b: string): boolean {
  const byB = g.byA.get(a);
  if (byB === undefined || !byB.delete(b)) return false;
  g.size--;
  if (byB.size === 0) g.byA.delete(a);
  return true;
}

export function createPairCache<V>(capacity: number): PairCache<V> {
  const generationSize = Math.max(1, Math.floor(capacity / 2));
  let young = newGeneration<V>();
  let old = newGeneration<V>();

  function set(a: string, b: string, value: V): void {
    if (young.size >= generationSize) {
      old = young;
      young = newGeneration();
    }
    put(young, a, b, value);
  }

  return {
    set,
    get(a, b) {
      const hit = find(young, a, b);
      if (hit !== undefined) return hit;
      const aged = find(old, a, b);
      if (aged !== undefined) set(a, b, aged);
      return aged;
    },
    clear() {
      young = newGeneration();
      old = newGeneration();
    },
    peek: (a, b) => find(young, a, b) ?? find(old, a, b),
    replace(a, b, value) {
      if (holds(young, a, b)) put(young, a, b, value);
      if (holds(old, a, b)) put(old, a, b, value);
    },
    delete(a, b) {
      const inYoung = remove(young, a, b);
      return remove(old, a, b) || inYoung;
    },
    *entries() {
      // NOTE: a promoted pair is in both generations until the old one is dropped; the young entry is current.
      for (const [a, byB] of old.byA) for (const [b, v] of byB) if (!holds(young, a, b)) yield [a, b, v, false];
      for (const [a, byB] of young.byA) for (const [b, v] of byB) yield [a, b, v, true];
    },
    get size() {
      let n = young.size;
      for (const [a, byB] of old.byA) for (const b of byB.keys()) if (!holds(young, a, b)) n++;
      return n;
    },
  };
}
