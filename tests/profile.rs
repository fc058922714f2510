//! The kernel profile parser (`bench --kernels`) on lines as cubecl's profiling logger writes them.

use resnet_webgpu::profile::KernelProfile;

const LOG: &str = "[START_KERNEL_COMPILATION]\nname: burn_cubecl::ops::FullKernel\n| not a time | x\n\
| 12.5ms     | MatmulEntry_0a1b2c3d\n\
| 80.25µs    | KernelBinop_11c2ab5b\n\
| 7.5ms      | MatmulEntry_ffffffff\n\
| 900ns      | KernelBinop_11c2ab5b\n\
| 1.5s       | conv_direct_kernel\n\
| 19.75µs    | Slice_Kernel_12\n";

#[test]
fn adds_up_executions_by_kernel_without_the_hash() {
    let profile = KernelProfile::parse(LOG);
    let names: Vec<&str> = profile.rows.iter().map(|r| r.name.as_str()).collect();
    // Largest first; the hash suffix goes, a name's own underscores stay.
    assert_eq!(names, ["conv_direct_kernel", "MatmulEntry", "KernelBinop", "Slice_Kernel_12"]);
    let matmul = &profile.rows[1];
    assert_eq!(matmul.dispatches, 2);
    assert!((matmul.seconds - 0.020).abs() < 1e-12, "{}", matmul.seconds);
    assert!((profile.rows[2].seconds - 81.15e-6).abs() < 1e-12);
    assert_eq!(profile.dispatches(), 6);
    assert!((profile.seconds() - (1.5 + 0.020 + 81.15e-6 + 19.75e-6)).abs() < 1e-9);
}

#[test]
fn the_table_gives_shares_and_per_step_figures() {
    let table = KernelProfile::parse(LOG).table(2, 2);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "| kernel | share of device time | ms per step | dispatches per step |");
    // 1.5 s of 1.5201 s, over 2 steps.
    assert_eq!(lines[2], "| conv_direct_kernel | 98.7 % | 750.0 | 0 |");
    assert_eq!(lines[3], "| MatmulEntry | 1.3 % | 10.0 | 1 |");
    assert_eq!(lines[4], "| 2 others | 0.0 % | 0.1 | 2 |");
    assert_eq!(lines[5], "| **all** | 100 % | 760.1 | 3 |");
}

#[test]
fn an_empty_log_is_an_empty_profile() {
    let profile = KernelProfile::parse("");
    assert!(profile.rows.is_empty());
    assert_eq!(profile.dispatches(), 0);
    assert!(profile.table(1, 10).contains("| **all** | 100 % | 0.0 | 0 |"));
}
