using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Helix.Platform.Spec;

/// <summary>
/// Binds a <see cref="YamlNode"/> tree onto spec records: keys are the camelCase property names,
/// enum values kebab-case. Every problem is collected with its position, never thrown, so one
/// run reports them all: unknown keys (with the closest known one), wrong types, missing
/// required keys.
/// </summary>
internal sealed class SpecBinder(string file, List<SpecError> errors)
{
    /// <summary>Where each bound object and each of its keys stood, for checks that run after binding.</summary>
    public SpecMarks Marks { get; } = new();

    public T? Bind<T>(YamlNode node) where T : class => (T?)Bind(typeof(T), node, "");

    private object? Bind(Type type, YamlNode node, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return node is YamlScalar { IsNull: true } ? null : Bind(underlying, node, path);
        }
        if (type == typeof(string))
        {
            return Scalar(node, path, "text", s => s);
        }
        if (type == typeof(int))
        {
            return Scalar(node, path, "a whole number", s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);
        }
        if (type == typeof(long))
        {
            return Scalar(node, path, "a whole number", s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null);
        }
        if (type == typeof(decimal))
        {
            return Scalar(node, path, "a number", s => decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : null);
        }
        if (type == typeof(double))
        {
            return Scalar(node, path, "a number", s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null);
        }
        if (type == typeof(bool))
        {
            return Scalar(node, path, "true or false", s => s switch { "true" => true, "false" => false, _ => null });
        }
        if (type.IsEnum)
        {
            var names = Enum.GetNames(type).ToDictionary(Kebab, n => Enum.Parse(type, n), StringComparer.Ordinal);
            return Scalar(node, path, "one of: " + string.Join(", ", names.Keys), s => names.GetValueOrDefault(s));
        }
        if (ElementType(type, typeof(IReadOnlyList<>), typeof(List<>)) is { } itemType)
        {
            return BindList(itemType, node, path);
        }
        if (ElementType(type, typeof(IReadOnlyDictionary<,>), typeof(Dictionary<,>)) is { } valueType)
        {
            return BindMap(valueType, node, path);
        }
        return BindRecord(type, node, path);
    }

    private object? Scalar(YamlNode node, string path, string expected, Func<string, object?> parse)
    {
        if (node is YamlScalar scalar && !(scalar.IsNull && expected != "text") && parse(scalar.Value) is { } value)
        {
            return value;
        }
        var found = node switch
        {
            YamlScalar s => $"'{s.Value}'",
            YamlSequence => "a list",
            _ => "a mapping",
        };
        Error(node.Mark, $"{Where(path)}: expected {expected}, found {found}", $"write {expected} here");
        return null;
    }

    private object? BindList(Type itemType, YamlNode node, string path)
    {
        if (node is not YamlSequence sequence)
        {
            Error(node.Mark, $"{Where(path)}: expected a list", "write each item on its own line starting with '- '");
            return null;
        }
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(itemType))!;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            if (Bind(itemType, sequence.Items[i], $"{path}[{i}]") is { } item)
            {
                list.Add(item);
                if (!item.GetType().IsValueType && item is not string)
                {
                    Marks.Add(item, sequence.Items[i].Mark);
                }
            }
        }
        return list;
    }

    private object? BindMap(Type valueType, YamlNode node, string path)
    {
        if (node is not YamlMapping mapping)
        {
            Error(node.Mark, $"{Where(path)}: expected a mapping of names to values", "write 'name: value' lines");
            return null;
        }
        var map = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType), StringComparer.Ordinal)!;
        foreach (var (key, value) in mapping.Entries)
        {
            if (Bind(valueType, value, $"{path}.{key.Value}") is { } bound)
            {
                map[key.Value] = bound;
            }
        }
        return map;
    }

    private object? BindRecord(Type type, YamlNode node, string path)
    {
        if (node is not YamlMapping mapping)
        {
            Error(node.Mark, $"{Where(path)}: expected a mapping (key: value lines)", $"write the keys of {Describe(type)} here");
            return null;
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => Camel(p.Name), StringComparer.Ordinal);
        var instance = Activator.CreateInstance(type)!;
        Marks.Add(instance, mapping.Mark);
        var present = new HashSet<string>(StringComparer.Ordinal);
        var suggested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (key.Value.StartsWith('$'))
            {
                continue; // "$schema" and other editor keys
            }
            if (!properties.TryGetValue(key.Value, out var property))
            {
                var closest = Closest(key.Value, properties.Keys);
                if (closest is not null)
                {
                    suggested.Add(closest);
                }
                Error(key.Mark, $"{Where(path)}: unknown key '{key.Value}'",
                    closest is null ? $"expected one of: {string.Join(", ", properties.Keys)}" : $"did you mean '{closest}'?");
                continue;
            }
            present.Add(key.Value);
            Marks.Add(instance, property.Name, value.Mark);
            var childPath = path.Length == 0 ? key.Value : $"{path}.{key.Value}";
            var bound = Bind(property.PropertyType, value, childPath);
            if (bound is not null || value is YamlScalar { IsNull: true })
            {
                property.SetValue(instance, bound);
            }
        }

        foreach (var (name, property) in properties)
        {
            // A misspelt required key is one mistake, already reported with its fix.
            if (!present.Contains(name) && !suggested.Contains(name) && property.GetCustomAttribute<RequiredMemberAttribute>() is not null)
            {
                Error(mapping.Mark, $"{Where(path)}: missing required key '{name}'", $"add '{name}:' to this mapping");
            }
        }
        return instance;
    }

    private static Type? ElementType(Type type, Type readOnly, Type concrete)
    {
        if (!type.IsGenericType)
        {
            return null;
        }
        var definition = type.GetGenericTypeDefinition();
        return definition == readOnly || definition == concrete ? type.GetGenericArguments()[^1] : null;
    }

    private void Error(SourceMark mark, string message, string fix) => errors.Add(new SpecError(file, mark, message, fix));

    private static string Where(string path) => path.Length == 0 ? "the spec" : path;

    private static string Describe(Type type) => Kebab(type.Name).Replace('-', ' ');

    internal static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    internal static string Kebab(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('-');
            }
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }

    private static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
