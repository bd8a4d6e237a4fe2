"""State changes of coupons: conversion, gifts and expiry (spending is ``coupons.spending``)."""
