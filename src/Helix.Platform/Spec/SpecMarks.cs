namespace Helix.Platform.Spec;

/// <summary>Positions of bound spec objects and of their keys' values.</summary>
public sealed class SpecMarks
{
    private readonly Dictionary<object, SourceMark> _objects = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(object, string), SourceMark> _values = new(new PairComparer());

    internal void Add(object instance, SourceMark mark) => _objects.TryAdd(instance, mark);

    internal void Add(object instance, string property, SourceMark mark) => _values[(instance, property)] = mark;

    /// <summary>Where the value of <paramref name="property"/> of <paramref name="instance"/> stands, else the object, else 1:1.</summary>
    public SourceMark Of(object instance, string? property = null) =>
        property is not null && _values.TryGetValue((instance, property), out var value) ? value
        : _objects.TryGetValue(instance, out var mark) ? mark
        : new SourceMark(1, 1);

    private sealed class PairComparer : IEqualityComparer<(object, string)>
    {
        public bool Equals((object, string) x, (object, string) y) => ReferenceEquals(x.Item1, y.Item1) && x.Item2 == y.Item2;

        public int GetHashCode((object, string) obj) => HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item1), obj.Item2);
    }
}
