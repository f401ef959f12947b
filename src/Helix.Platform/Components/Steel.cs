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

    /// <summary>How long a client stays on the Steel pod it first reached: a browser session lives in that pod's memory.</summary>
    public const int SessionAffinitySeconds = 3 * 60 * 60;

    /// <summary>
    /// The Service pins each client to one pod (client-IP affinity, which Cilium's kube-proxy replacement
    /// honours): a session created on one replica is then driven on the same replica, not on another that
    /// does not have it.
    /// </summary>
    private V1Service SessionService()
    {
        var service = Pods.Service(App, Port, "http");
        service.Spec.SessionAffinity = "ClientIP";
        service.Spec.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = SessionAffinitySeconds } };
        return service;
    }

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
            new("service.yaml", [SessionService()]),
            new("pod-disruption-budget.yaml", [Pods.Pdb(App)]),
        ]);
    }
}
