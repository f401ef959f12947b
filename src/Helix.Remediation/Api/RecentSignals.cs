using System.Collections.Concurrent;

namespace Helix.Remediation.Api;

/// <summary>
/// The ids of signals this replica recorded (or found recorded) lately, so Alertmanager's repeats
/// are answered without a database round trip. Only a shortcut: the decision log stays the one
/// authority on what was recorded, and an id forgotten here is simply checked there again.
/// </summary>
internal sealed class RecentSignals(int capacity = 100_000)
{
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public bool Contains(string id) => _known.ContainsKey(id);

    public void Add(string id)
    {
        if (_known.TryAdd(id, 0))
        {
            _order.Enqueue(id);
            while (_known.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _known.TryRemove(oldest, out _);
            }
        }
    }
}
