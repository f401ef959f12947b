using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Helix.Workflows;

/// <summary>
/// What a node changes: writes to fields of the state, each merged by the field's reducer.
/// <c>new Update&lt;S&gt;().Set(s => s.Report, text)</c>; an empty one changes nothing.
/// </summary>
public sealed class Update<TState>
{
    private readonly List<KeyValuePair<string, JsonNode?>> _writes = [];

    internal IReadOnlyList<KeyValuePair<string, JsonNode?>> Writes => _writes;

    /// <summary>Writes <paramref name="value"/> to the field, through its reducer (replace unless the graph says otherwise).</summary>
    public Update<TState> Set<TValue>(Expression<Func<TState, TValue>> field, TValue value)
    {
        _writes.Add(new(Channel(field), JsonSerializer.SerializeToNode(value, Workflow.Json)));
        return this;
    }

    /// <summary>The field's name in the state's JSON: what reducers and the stored writes are keyed by.</summary>
    internal static string Channel(LambdaExpression field)
    {
        var body = field.Body is UnaryExpression { NodeType: ExpressionType.Convert } convert ? convert.Operand : field.Body;
        if (body is not MemberExpression { Member: PropertyInfo property } member || member.Expression is not ParameterExpression)
        {
            throw new ArgumentException($"'{field}' must name a property of the state, such as s => s.Report", nameof(field));
        }
        return property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? Workflow.Json.PropertyNamingPolicy!.ConvertName(property.Name);
    }
}

/// <summary>How a field's writes merge into the state. <c>current</c> is null before the first write.</summary>
public delegate JsonNode? Reducer(JsonNode? current, JsonNode? update);

/// <summary>The usual reducers.</summary>
public static class Reducers
{
    /// <summary>The last write wins (the default).</summary>
    public static Reducer Replace { get; } = (_, update) => update?.DeepClone();

    /// <summary>Lists grow: the written items are added at the end (parallel branches each add theirs).</summary>
    public static Reducer Append { get; } = (current, update) =>
    {
        var list = current is JsonArray existing ? (JsonArray)existing.DeepClone() : [];
        if (update is JsonArray items)
        {
            foreach (var item in items)
            {
                list.Add(item?.DeepClone());
            }
        }
        else
        {
            list.Add(update?.DeepClone());
        }
        return list;
    };

    /// <summary>Numbers add up (counters across branches).</summary>
    public static Reducer Add { get; } = (current, update) =>
        JsonValue.Create((current?.GetValue<double>() ?? 0) + (update?.GetValue<double>() ?? 0));

    /// <summary>A typed reducer over the field's own type.</summary>
    public static Reducer Of<T>(Func<T?, T?, T?> merge)
    {
        ArgumentNullException.ThrowIfNull(merge);
        return (current, update) => JsonSerializer.SerializeToNode(
            merge(current is null ? default : current.Deserialize<T>(Workflow.Json), update is null ? default : update.Deserialize<T>(Workflow.Json)), Workflow.Json);
    }
}
