pahole -J -j --btf_features=encode_force,var,float,enum64,decl_tag,type_tag,optimized_func,consistent_func,decl_tag_kfuncs --btf_features=attributes --btf_features=layout -j --btf_features=+reproducible_build --lang_exclude=rust --btf_base BASE --btf_encode_detached=module.ko.BTF.1 module.ko
resolve_btfids --btf_base BASE --btf module.ko.BTF.1 module.ko
