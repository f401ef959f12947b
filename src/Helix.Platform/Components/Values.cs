using System.Text.Json.Nodes;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>Small builders for chart values that several components write alike.</summary>
internal static class Values
{
    /// <summary>A component's metrics with a ServiceMonitor, in the shape most charts take.</summary>
    public static JsonObject Metrics() => new() { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } };

    public static JsonObject Map(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (key, value) in map)
        {
            o[key] = value;
        }
        return o;
    }

    public static JsonArray Tolerations(IEnumerable<V1Toleration> tolerations) =>
        new(tolerations.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["operator"] = t.OperatorProperty, ["value"] = t.Value, ["effect"] = t.Effect }).ToArray());

    /// <summary>A volume claim template on Longhorn's storage class.</summary>
    public static JsonObject Volume(string size) => new()
    {
        ["volumeClaimTemplate"] = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["storageClassName"] = Longhorn.StorageClass,
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = size } },
            },
        },
    };
}
