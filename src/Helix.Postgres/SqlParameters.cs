using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace Helix.Postgres;

/// <summary>
/// Positional parameters (<c>$1</c>, <c>$2</c>, ...) for commands through PgBouncer in transaction
/// mode: typed where the type is not the value's own (text that may be null, jsonb, arrays).
/// </summary>
public static class SqlParameters
{
    /// <summary>Adds the values in order; a value that is an <see cref="NpgsqlParameter"/> already is added as it is, null as SQL NULL.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(values);
        command.Parameters.AddRange(Array.ConvertAll(values, Of));
        return command;
    }

    /// <summary>The same for one statement of a batch.</summary>
    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(values);
        command.Parameters.AddRange(Array.ConvertAll(values, Of));
        return command;
    }

    /// <summary>An interval that may be null.</summary>
    public static NpgsqlParameter Interval(TimeSpan? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval };

    private static NpgsqlParameter Of(object? value) => value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value };

    public static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    public static NpgsqlParameter Json(JsonNode? node) => new() { Value = node is null ? DBNull.Value : node.ToJsonString(), NpgsqlDbType = NpgsqlDbType.Jsonb };

    /// <summary>JSON already serialized (a request body kept byte for byte).</summary>
    public static NpgsqlParameter Json(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter TextArray(IEnumerable<string> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    public static NpgsqlParameter TimeArray(IEnumerable<DateTimeOffset> values) =>
        new() { Value = values.Select(v => v.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };
}
