//! Toolsets and read-only on every transport: what the operator sets for a
//! hotel, and what a connection narrows it to with `X-MCP-Toolsets` and
//! `X-MCP-Readonly`, never wider. `tools/list` shows exactly what may be
//! called; anything else is refused with a sentence saying why.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{
    app::TestApp,
    transports::{Transport, call_tool, list_tools, rpc},
};
use quendoo_mcp::policy::HotelPolicy;

on_both_backends!(|db| crate::support::app::TestApp::spawn(db).await;
    a_read_only_hotel_lists_and_runs_only_reads,
    toolsets_hold_and_headers_never_widen_them,
    a_connection_narrows_what_the_hotel_allows,
    resources_follow_the_narrowing_even_when_cached,
    resources_are_listed_as_they_may_be_read,
);

const READS: [&str; 5] = [
    "get_property_settings",
    "get_rooms_details",
    "get_availability",
    "get_bookings",
    "get_booking_offers",
];

#[track_caller]
fn assert_listed(names: &[String], listed: &[&str], left_out: &[&str]) {
    for name in listed {
        assert!(names.iter().any(|n| n == name), "{name} missing: {names:?}");
    }
    for name in left_out {
        assert!(!names.iter().any(|n| n == name), "{name} listed: {names:?}");
    }
}

fn update() -> serde_json::Value {
    json!({"values": [{"date": "2026-12-20", "room_id": 1, "avail": 0}]})
}

async fn a_read_only_hotel_lists_and_runs_only_reads(app: TestApp) {
    let hotel = app.hotel("Read only").await;
    let policy = HotelPolicy {
        read_only: true,
        ..HotelPolicy::default()
    };
    app.set_policy(&hotel, policy).await;
    for transport in Transport::ALL {
        // A header asking for writes changes nothing.
        for headers in [&[][..], &[("X-MCP-Readonly", "false")][..]] {
            if let Some(names) = list_tools(&app, &hotel, transport, headers).await {
                let writes = [
                    "update_availability",
                    "ack_booking",
                    "send_quendoo_email",
                    "make_call",
                ];
                assert_listed(&names, &READS, &writes);
            }
            let refused = call_tool(
                &app,
                &hotel,
                transport,
                "update_availability",
                update(),
                headers,
            )
            .await;
            let text = refused.refused();
            assert!(
                text.contains("update_availability") && text.contains("read-only"),
                "{transport:?}: {text}"
            );
            if transport == Transport::Rest {
                assert_eq!(refused.status, StatusCode::FORBIDDEN);
            }
            call_tool(
                &app,
                &hotel,
                transport,
                "get_bookings",
                json!({"limit": 1}),
                headers,
            )
            .await
            .ok();
        }
    }
}

async fn toolsets_hold_and_headers_never_widen_them(app: TestApp) {
    let hotel = app.hotel("Bookings desk").await;
    let policy = HotelPolicy {
        toolsets: "bookings,offers".parse().unwrap(),
        ..HotelPolicy::default()
    };
    app.set_policy(&hotel, policy).await;
    for transport in Transport::ALL {
        if let Some(names) = list_tools(&app, &hotel, transport, &[]).await {
            let others = [
                "get_availability",
                "update_availability",
                "get_property_settings",
                "make_call",
            ];
            assert_listed(&names, &["get_bookings", "get_booking_offers"], &others);
        }
        for headers in [
            &[][..],
            &[("X-MCP-Toolsets", "all")][..],
            &[("X-MCP-Toolsets", "availability,bookings")][..],
        ] {
            let refused = call_tool(
                &app,
                &hotel,
                transport,
                "get_availability",
                json!({"date_from": "2026-12-20", "date_to": "2026-12-21", "sysres": "qdo"}),
                headers,
            )
            .await;
            let text = refused.refused();
            assert!(
                text.contains("availability toolset") && text.contains("operator"),
                "{transport:?} {headers:?}: {text}"
            );
        }
        // Asking for more lists no more.
        if let Some(names) = list_tools(&app, &hotel, transport, &[("X-MCP-Toolsets", "all")]).await
        {
            assert!(!names.iter().any(|n| n == "get_availability"), "{names:?}");
        }
        call_tool(
            &app,
            &hotel,
            transport,
            "get_bookings",
            json!({"limit": 1}),
            &[],
        )
        .await
        .ok();
    }
}

async fn a_connection_narrows_what_the_hotel_allows(app: TestApp) {
    let hotel = app.hotel("Narrowed").await;
    let offers_only = [("X-MCP-Toolsets", "offers")];
    let read_only = [("X-MCP-Readonly", "true")];
    for transport in Transport::ALL {
        if let Some(names) = list_tools(&app, &hotel, transport, &offers_only).await {
            assert_eq!(names, ["get_booking_offers"], "{transport:?}");
        }
        let refused = call_tool(
            &app,
            &hotel,
            transport,
            "get_bookings",
            json!({}),
            &offers_only,
        )
        .await;
        assert!(
            refused.refused().contains("X-MCP-Toolsets"),
            "{transport:?}: {refused:?}"
        );

        if let Some(names) = list_tools(&app, &hotel, transport, &read_only).await {
            assert!(
                names
                    .iter()
                    .all(|n| !["update_availability", "make_call"].contains(&n.as_str()))
            );
            assert!(names.iter().any(|n| n == "get_bookings"));
        }
        let refused = call_tool(
            &app,
            &hotel,
            transport,
            "update_availability",
            update(),
            &read_only,
        )
        .await;
        assert!(
            refused.refused().contains("X-MCP-Readonly"),
            "{transport:?}: {refused:?}"
        );

        // A header we cannot read is refused, not taken as "no narrowing".
        let bad = call_tool(
            &app,
            &hotel,
            transport,
            "get_bookings",
            json!({}),
            &[("X-MCP-Toolsets", "bookings,everything")],
        )
        .await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "{transport:?}: {bad:?}"
        );
    }
}

/// Resources are read through their tools and shared for a minute per
/// hotel: a narrowed connection must not get what another one read.
async fn resources_follow_the_narrowing_even_when_cached(app: TestApp) {
    let hotel = app.hotel("Resources").await;
    let settings = json!({"uri": "quendoo://property/settings"});
    for transport in [Transport::Mcp, Transport::Sse] {
        let (_, whole) = rpc(
            &app,
            &hotel,
            transport,
            "resources/read",
            settings.clone(),
            &[],
        )
        .await;
        assert!(
            whole["result"]["contents"][0]["text"].is_string(),
            "{whole}"
        );
        let bookings_only = [("X-MCP-Toolsets", "bookings")];
        let (_, narrowed) = rpc(
            &app,
            &hotel,
            transport,
            "resources/read",
            settings.clone(),
            &bookings_only,
        )
        .await;
        let message = narrowed["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("X-MCP-Toolsets"),
            "{transport:?}: {narrowed}"
        );
    }
}

/// `resources/list` and `resources/templates/list` name only what the
/// caller may read, as `tools/list` does, and say so to caches.
async fn resources_are_listed_as_they_may_be_read(app: TestApp) {
    let hotel = app.hotel("Listed resources").await;
    let listed = |headers: &'static [(&'static str, &'static str)], transport| {
        let (app, hotel) = (&app, &hotel);
        async move {
            let mut names = Vec::new();
            let mut scopes = Vec::new();
            for (method, items, key) in [
                ("resources/list", "resources", "uri"),
                (
                    "resources/templates/list",
                    "resourceTemplates",
                    "uriTemplate",
                ),
            ] {
                let (status, body) = rpc(app, hotel, transport, method, json!({}), headers).await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let result = &body["result"];
                names.extend(
                    result[items]
                        .as_array()
                        .unwrap_or_else(|| panic!("{method}: {body}"))
                        .iter()
                        .map(|item| item[key].as_str().unwrap().to_owned()),
                );
                scopes.push(result["cacheScope"].as_str().unwrap_or("none").to_owned());
            }
            (names, scopes)
        }
    };
    for transport in [Transport::Mcp, Transport::Sse] {
        let (all, scopes) = listed(&[], transport).await;
        assert_eq!(all.len(), 4, "{transport:?}: {all:?}");
        let (bookings, narrowed) = listed(&[("X-MCP-Toolsets", "bookings")], transport).await;
        assert!(bookings.is_empty(), "{transport:?}: {bookings:?}");
        let (availability, _) = listed(&[("X-MCP-Toolsets", "availability")], transport).await;
        assert_eq!(
            availability,
            ["quendoo://availability/{date_from}/{date_to}"],
            "{transport:?}"
        );
        if transport == Transport::Mcp {
            assert_eq!(scopes, ["public", "public"]);
            assert_eq!(narrowed, ["private", "private"]);
        }
    }
    let policy = HotelPolicy {
        toolsets: "property".parse().unwrap(),
        ..HotelPolicy::default()
    };
    app.set_policy(&hotel, policy).await;
    let (property, _) = listed(&[], Transport::Mcp).await;
    assert_eq!(property.len(), 3, "{property:?}");
    assert!(
        property
            .iter()
            .all(|uri| uri.starts_with("quendoo://property/"))
    );
}
