// One schema for both backends: only portable SQL types (Text, Integer, BigInt, Bool, Timestamp).

diesel::table! {
    countries (code) {
        code -> Text,
        name -> Text,
        membership -> Text,
        official_languages -> Text,
        created_at -> Timestamp,
        order_notice_required -> Bool,
    }
}

diesel::table! {
    agencies (id) {
        id -> Text,
        country_code -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        agency_id -> Text,
        roles -> Text,
        status -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        kind -> Text,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    service_credentials (user_id) {
        user_id -> Text,
        auth_method -> Text,
        secret_hash -> Nullable<Text>,
        previous_secret_hash -> Nullable<Text>,
        previous_valid_until -> Nullable<Timestamp>,
        jwks -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        jwks_uri -> Nullable<Text>,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        event_type -> Text,
        at -> Timestamp,
        subject_kind -> Text,
        subject_id -> Text,
        href -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        agency_id -> Text,
        service_account_id -> Text,
        url -> Text,
        event_types -> Text,
        secret_generation -> Integer,
        previous_generation_until -> Nullable<Timestamp>,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        cursor -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        signature_schemes -> Text,
    }
}

diesel::table! {
    webhook_deliveries (webhook_id, event_seq) {
        webhook_id -> Text,
        event_seq -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_latency_ms -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhooks -> agencies (agency_id));
diesel::joinable!(webhook_deliveries -> events (event_seq));

diesel::table! {
    client_assertions (client_id, jti) {
        client_id -> Text,
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (secret_hash) {
        secret_hash -> Text,
        session_id -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        failed_password_checks -> Integer,
        amr -> Text,
        factor_at -> Nullable<Timestamp>,
        must_enrol -> Bool,
    }
}

diesel::table! {
    factors (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        label -> Text,
        secret -> Binary,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        last_used_at -> Nullable<Timestamp>,
        credential_id -> Nullable<Text>,
    }
}

diesel::table! {
    identity_providers (id) {
        id -> Text,
        name -> Text,
        issuer -> Text,
        client_id -> Text,
        client_secret -> Binary,
        agencies -> Text,
        mapping -> Text,
        mfa_acr -> Text,
        scopes -> Text,
        enabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    identity_links (issuer, subject) {
        issuer -> Text,
        subject -> Text,
        user_id -> Text,
        provider_id -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Timestamp,
    }
}

diesel::table! {
    sso_attempts (state_hash) {
        state_hash -> Text,
        provider_id -> Text,
        nonce -> Text,
        verifier -> Binary,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    passkey_challenges (bound_to) {
        bound_to -> Text,
        user_id -> Text,
        state -> Binary,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (user_id, lookup) {
        user_id -> Text,
        lookup -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_challenges (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_history (user_id, set_at) {
        user_id -> Text,
        set_at -> Timestamp,
        password_hash -> Text,
    }
}

diesel::table! {
    legal_bases (code) {
        code -> Text,
        name -> Text,
        request_types -> Text,
        required_fields -> Text,
        dual_criminality_required -> Bool,
        acknowledge_days -> Nullable<Integer>,
        decide_days -> Nullable<Integer>,
        decide_extension_days -> Nullable<Integer>,
        execute_days -> Nullable<Integer>,
        preservation_days -> Nullable<Integer>,
        preservation_extension_days -> Nullable<Integer>,
        emergency_acknowledge_hours -> Nullable<Integer>,
        emergency_decide_hours -> Nullable<Integer>,
        emergency_execute_hours -> Nullable<Integer>,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        order_rules -> Nullable<Text>,
    }
}

diesel::table! {
    mla_requests (id) {
        id -> Text,
        reference -> Text,
        case_id -> Text,
        requesting_agency_id -> Text,
        requesting_country -> Text,
        requested_country -> Text,
        legal_basis -> Text,
        urgency -> Text,
        wanted_by -> Nullable<Text>,
        content -> Text,
        status -> Text,
        their_reference -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_seq -> Integer,
        last_hash -> Nullable<Text>,
        executing_agency_id -> Nullable<Text>,
        acknowledge_by -> Nullable<Timestamp>,
        decide_by -> Nullable<Timestamp>,
        execute_by -> Nullable<Timestamp>,
    }
}

diesel::table! {
    request_entries (log_index) {
        log_index -> BigInt,
        request_id -> Text,
        seq -> Integer,
        entry_type -> Text,
        canonical -> Text,
        entry_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    preservations (id) {
        id -> Text,
        reference -> Text,
        requesting_agency_id -> Text,
        requesting_country -> Text,
        requested_country -> Text,
        legal_basis -> Text,
        content -> Text,
        status -> Text,
        their_reference -> Nullable<Text>,
        mla_request_id -> Nullable<Text>,
        third_country -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        suspended_seconds -> Nullable<BigInt>,
        version -> Integer,
        last_seq -> Integer,
        last_hash -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        reference -> Text,
        case_id -> Text,
        requesting_agency_id -> Text,
        requesting_country -> Text,
        provider_id -> Text,
        provider_country -> Text,
        order_type -> Text,
        legal_basis -> Text,
        urgency -> Text,
        content -> Text,
        status -> Text,
        notified -> Bool,
        authorisation -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        objection_by -> Nullable<Timestamp>,
        acknowledge_by -> Nullable<Timestamp>,
        produce_by -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        answered_at -> Nullable<Timestamp>,
        version -> Integer,
        last_seq -> Integer,
        last_hash -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deliver_to -> Nullable<Text>,
    }
}

diesel::table! {
    order_counters (country, year) {
        country -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    preservation_counters (country, year) {
        country -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    mla_request_counters (country, year) {
        country -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::joinable!(agencies -> countries (country_code));
diesel::joinable!(password_history -> users (user_id));
diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(service_credentials -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        owner_agency_id -> Text,
        owner_country -> Text,
        title -> Text,
        summary -> Text,
        offences -> Text,
        priority -> Text,
        status -> Text,
        lead_investigator_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    case_offences (case_id, offence) {
        case_id -> Text,
        offence -> Text,
    }
}

diesel::table! {
    case_participants (case_id, agency_id) {
        case_id -> Text,
        agency_id -> Text,
        access -> Text,
        granted_by -> Text,
        granted_at -> Timestamp,
    }
}

diesel::table! {
    case_external_refs (agency_id, system, external_id) {
        agency_id -> Text,
        system -> Text,
        external_id -> Text,
        case_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_reference_counters (country, year) {
        country -> Text,
        year -> Integer,
        last_value -> Integer,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        action -> Text,
        outcome -> Text,
        actor_user_id -> Nullable<Text>,
        actor_agency_id -> Nullable<Text>,
        actor_country -> Nullable<Text>,
        subject_country -> Nullable<Text>,
        case_id -> Nullable<Text>,
        entry -> Text,
        entry_hash -> Text,
        prev_hash -> Nullable<Text>,
    }
}

diesel::joinable!(case_offences -> cases (case_id));
diesel::joinable!(case_participants -> cases (case_id));
diesel::joinable!(case_participants -> agencies (agency_id));
diesel::joinable!(case_external_refs -> cases (case_id));
diesel::joinable!(cases -> agencies (owner_agency_id));
diesel::joinable!(mla_requests -> legal_bases (legal_basis));

diesel::table! {
    evidence_items (id) {
        id -> Text,
        case_id -> Text,
        label -> Text,
        description -> Text,
        kind -> Text,
        source -> Text,
        acquisition -> Text,
        sha256 -> Nullable<Text>,
        other_hashes -> Text,
        size_bytes -> Nullable<BigInt>,
        seal_number -> Nullable<Text>,
        storage_location -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        status -> Text,
        custodian_user_id -> Nullable<Text>,
        custodian_agency_id -> Nullable<Text>,
        pending_agency_id -> Nullable<Text>,
        pending_custodian_id -> Nullable<Text>,
        integrity_alert -> Bool,
        last_seq -> Integer,
        last_hash -> Text,
        mla_request_id -> Nullable<Text>,
        holder_agency_id -> Nullable<Text>,
        order_id -> Nullable<Text>,
    }
}

diesel::table! {
    evidence_counters (case_id) {
        case_id -> Text,
        last_value -> Integer,
    }
}

diesel::table! {
    contents (id) {
        id -> Text,
        evidence_id -> Nullable<Text>,
        object_name -> Text,
        wrapped_key -> Nullable<Binary>,
        sha256 -> Text,
        size_bytes -> BigInt,
        stored_at -> Timestamp,
        stored_by -> Text,
        shredded_at -> Nullable<Timestamp>,
        object_deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    uploads (id) {
        id -> Text,
        owner_id -> Text,
        length -> BigInt,
        upload_offset -> BigInt,
        metadata -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        object_name -> Nullable<Text>,
        wrapped_key -> Nullable<Binary>,
        sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    upload_parts (upload_id, start_offset) {
        upload_id -> Text,
        start_offset -> BigInt,
        size_bytes -> BigInt,
        object_name -> Text,
        wrapped_key -> Binary,
    }
}

diesel::table! {
    request_documents (id) {
        id -> Text,
        mla_request_id -> Nullable<Text>,
        preservation_id -> Nullable<Text>,
        content_id -> Text,
        kind -> Text,
        language -> Nullable<Text>,
        title -> Text,
        media_type -> Text,
        side -> Text,
        added_by -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    evidence_access (evidence_id, agency_id) {
        evidence_id -> Text,
        agency_id -> Text,
        granted_at -> Timestamp,
        until_seq -> Nullable<Integer>,
    }
}

diesel::table! {
    custody_entries (log_index) {
        log_index -> BigInt,
        evidence_id -> Text,
        seq -> Integer,
        entry_type -> Text,
        canonical -> Text,
        entry_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    log_node_runs (first_leaf) {
        first_leaf -> BigInt,
        leaves -> Integer,
        nodes -> Binary,
    }
}

diesel::table! {
    providers (agency_id) {
        agency_id -> Text,
        provider_kind -> Text,
        legal_contact -> Text,
        emergency_contact -> Text,
        accepts -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(providers -> agencies (agency_id));

diesel::table! {
    audit_heads (seq) {
        seq -> BigInt,
        log_index -> BigInt,
        audit_seq -> BigInt,
        audit_hash -> Text,
        canonical -> Text,
        entry_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    log_cosignatures (tree_size, witness) {
        tree_size -> BigInt,
        witness -> Text,
        line -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    witness_positions (witness) {
        witness -> Text,
        tree_size -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    log_checkpoints (tree_size) {
        tree_size -> BigInt,
        root_hash -> Text,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(evidence_items -> cases (case_id));
diesel::joinable!(custody_entries -> evidence_items (evidence_id));
diesel::joinable!(evidence_access -> evidence_items (evidence_id));
diesel::joinable!(contents -> evidence_items (evidence_id));
diesel::joinable!(upload_parts -> uploads (upload_id));
diesel::joinable!(request_documents -> contents (content_id));

diesel::table! {
    checklist_items (code) {
        code -> Text,
        title -> Text,
        description -> Text,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    status_reviews (country, version) {
        country -> Text,
        version -> Integer,
        change -> Text,
        legislation -> Text,
        budapest_convention -> Text,
        second_protocol -> Text,
        csirt -> Bool,
        csirt_name -> Nullable<Text>,
        checklist -> Text,
        notes -> Text,
        review_note -> Nullable<Text>,
        recorded_at -> Timestamp,
        recorded_by -> Text,
    }
}

diesel::joinable!(status_reviews -> countries (country));

diesel::table! {
    figures (measure, country, counterpart, quarter, dim1, dim2, dim3, bucket) {
        measure -> Text,
        country -> Text,
        counterpart -> Text,
        quarter -> Text,
        dim1 -> Text,
        dim2 -> Text,
        dim3 -> Text,
        bucket -> Integer,
        count -> BigInt,
    }
}

diesel::table! {
    figure_histograms (measure, country, counterpart, quarter, dim1) {
        measure -> Text,
        country -> Text,
        counterpart -> Text,
        quarter -> Text,
        dim1 -> Text,
        entries -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    countries,
    agencies,
    users,
    sessions,
    refresh_tokens,
    cases,
    case_offences,
    case_participants,
    case_external_refs,
    case_reference_counters,
    password_history,
    idempotency_keys,
    audit_log,
    evidence_items,
    evidence_counters,
    evidence_access,
    contents,
    request_documents,
    uploads,
    upload_parts,
    custody_entries,
    log_node_runs,
    log_checkpoints,
    legal_bases,
    mla_requests,
    request_entries,
    preservations,
    preservation_counters,
    orders,
    order_counters,
    service_credentials,
    client_assertions,
    events,
    webhooks,
    webhook_deliveries,
    web_sessions,
    checklist_items,
    status_reviews,
    figures,
    figure_histograms,
    factors,
    recovery_codes,
    login_challenges,
    passkey_challenges,
    identity_providers,
    identity_links,
    sso_attempts,
    log_cosignatures,
    witness_positions,
    audit_heads,
    providers,
);
