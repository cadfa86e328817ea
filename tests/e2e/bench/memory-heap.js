'use strict';
// V8 heap snapshots (`--snapshots`): the nodes grouped by type and
// constructor, and what changed between two snapshots.

/** The nodes of a V8 heap snapshot as { ids, keys, sizes }: one group key per
 *  node (type, and the constructor or function name for objects and closures). */
function parseSnapshot(snap) {
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const n = fields.length;
  const [iType, iName, iId, iSize] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f));
  const ids = [];
  const keys = [];
  const sizes = [];
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    const named = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden';
    ids.push(snap.nodes[i + iId]);
    keys.push(named ? `${type} ${name.slice(0, 60)}` : `(${type})`);
    sizes.push(snap.nodes[i + iSize]);
  }
  return { ids, keys, sizes };
}

/** Groups of the later snapshot: nodes allocated after the earlier one and
 *  still alive ("new"), and the change of each group's count and size. */
function diffSnapshots(before, after, top = 12) {
  const maxId = Math.max(...before.ids);
  const groups = new Map();
  const group = (key) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, size: 0, newCount: 0, newSize: 0 }));
    return g;
  };
  before.keys.forEach((key, i) => {
    const g = group(key);
    g.count--;
    g.size -= before.sizes[i];
  });
  after.keys.forEach((key, i) => {
    const g = group(key);
    g.count++;
    g.size += after.sizes[i];
    if (after.ids[i] > maxId) {
      g.newCount++;
      g.newSize += after.sizes[i];
    }
  });
  const all = [...groups.values()];
  const total = (f) => all.reduce((a, g) => a + g[f], 0);
  return {
    nodesBefore: before.ids.length,
    nodesAfter: after.ids.length,
    sizeBefore: before.sizes.reduce((a, b) => a + b, 0),
    sizeAfter: after.sizes.reduce((a, b) => a + b, 0),
    newCount: total('newCount'),
    newSize: total('newSize'),
    // Compiled code: V8 tiers hot functions up as the cycles repeat.
    codeSize: groups.get('(code)')?.size ?? 0,
    top: all
      .filter((g) => g.size !== 0 || g.count !== 0 || g.newSize !== 0)
      .sort((a, b) => Math.abs(b.size) - Math.abs(a.size) || b.newSize - a.newSize)
      .slice(0, top),
  };
}

module.exports = { parseSnapshot, diffSnapshots };
