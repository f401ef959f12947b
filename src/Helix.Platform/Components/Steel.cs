using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>Seed step 8: Steel, the browser farm the orchestrator drives over CDP.</summary>
internal sealed class Steel(AppSpec app) : UpstreamApp(app)
{
    public const int Port = 3000;

    protected override int ServedPort => Port;

    public override ComponentRender Render(PlatformModel model)
    {
        var container = new V1Container
        {
            Name = "steel",
            Image = App.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = Port, Protocol = "TCP" }],
            Env = [Pods.Env("HOST", "0.0.0.0"), Pods.Env("PORT", $"{Port}"), Pods.Env("CHROME_HEADLESS", "true")],
            Resources = Pods.Resources(App.Resources),
            LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, PeriodSeconds = 10, FailureThreshold = 3 },
            ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "http" }, PeriodSeconds = 5, FailureThreshold = 2 },
            // Chromium writes its profile and caches: the root file system stays writable, the user does not.
            SecurityContext = Pods.Restricted(Pods.OtherUser, readOnlyRoot: false),
            VolumeMounts = [new() { Name = "dshm", MountPath = "/dev/shm" }],
        };
        var deployment = Pods.Deployment(App, Pods.PodSpec(App, NodeRole.Compute, [container],
            [new() { Name = "dshm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("1Gi") } }], Pods.OtherUser, terminationGrace: 30));
        return new ComponentRender([],
        [
            new("service-account.yaml", [Pods.ServiceAccount(App)]),
            new("deployment.yaml", [deployment]),
            new("service.yaml", [Pods.Service(App, Port, "http")]),
            new("pod-disruption-budget.yaml", [Pods.Pdb(App)]),
        ]);
    }
}
